from realty.core.s3_events import CreatedObject, created_objects


def test_notification_keys_are_decoded_and_other_records_skipped():
    event = {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Post",
                "s3": {"bucket": {"name": "media"}, "object": {"key": "uploads/a+b%2Fc.jpg", "size": 12}},
            },
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectRemoved:Delete",
                "s3": {"bucket": {"name": "media"}, "object": {"key": "gone.jpg"}},
            },
            {"eventSource": "aws:sqs", "body": "{}"},
        ]
    }

    assert created_objects(event) == [CreatedObject("media", "uploads/a b/c.jpg", 12)]


def test_eventbridge_object_created_keeps_its_key_as_is():
    event = {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": "recordings"}, "object": {"key": "recordings/t/a+b.mp4", "size": 99}},
    }

    assert created_objects(event) == [CreatedObject("recordings", "recordings/t/a+b.mp4", 99)]


def test_other_events_create_nothing():
    assert created_objects({"source": "aws.chime", "detail-type": "Chime Media Pipeline State Change"}) == []
