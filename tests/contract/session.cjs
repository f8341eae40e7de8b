// Reads {"meeting": ..., "attendee": ...} (a join response's data.attributes) on stdin and builds the
// browser SDK's MeetingSessionConfiguration from them exactly as a web client would; prints what the
// SDK understood.
const { MeetingSessionConfiguration } = require('amazon-chime-sdk-js');

let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const { meeting, attendee } = JSON.parse(input);
  const configuration = new MeetingSessionConfiguration(meeting, attendee);
  process.stdout.write(
    JSON.stringify({
      meetingId: configuration.meetingId,
      externalMeetingId: configuration.externalMeetingId,
      attendeeId: configuration.credentials.attendeeId,
      externalUserId: configuration.credentials.externalUserId,
      joinToken: configuration.credentials.joinToken,
      audioHostURL: configuration.urls.audioHostURL,
      signalingURL: configuration.urls.signalingURL,
      turnControlURL: configuration.urls.turnControlURL,
      eventIngestionURL: configuration.urls.eventIngestionURL,
    }),
  );
});
