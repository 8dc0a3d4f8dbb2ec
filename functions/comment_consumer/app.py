"""Consumer of comment events: persists added comments and deletion tombstones into MySQL."""

from gophertok.consumer import kafka_consumer
from gophertok.services.comments import persist_comment_events

handler = kafka_consumer(persist_comment_events)
