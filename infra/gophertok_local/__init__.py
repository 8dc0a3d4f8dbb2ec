"""Local stand-ins for what AWS does around the functions: API Gateway, Lambda invocation and the
Kafka/SQS event-source mappings. Only used on a developer machine and in tests."""
