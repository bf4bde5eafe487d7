"""AWS adapters (boto3): S3 object store, SQS queues, Step Functions orchestrator.

Each takes its boto3 client, so the same code runs against AWS, LocalStack or a moto server:
``AWS_ENDPOINT_URL=http://127.0.0.1:5000`` (or ``AWS_ENDPOINT_URL_SQS`` etc.) is honoured by
boto3 itself.
"""
