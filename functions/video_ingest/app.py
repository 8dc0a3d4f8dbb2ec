"""Consumer of the media-uploads queue: each S3 ObjectCreated under uploads/ becomes a published video."""

from gophertok.queue_consumer import QueueMessage, sqs_consumer
from gophertok.services.uploads import ingest_notification


@sqs_consumer
def handler(message: QueueMessage) -> None:
    ingest_notification(message.body)
