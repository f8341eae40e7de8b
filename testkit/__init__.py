"""What the tests and the bench share: an emulated AWS account built from template.yaml, API Gateway's
proxy events, Step Functions under moto with our handlers as its tasks, OpenAI's response shapes.

Top level, beside `tests/` and `bench/`, so neither imports the other; never part of the Lambda
layer (`layers/realty` is all that ships). Pytest fixtures stay in `tests/` (conftest and
`tests/support`), built from these pieces.
"""
