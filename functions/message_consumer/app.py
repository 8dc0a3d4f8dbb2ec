"""Consumer of ``message.sent``: inserts the messages into MySQL, once per message id."""

from gophertok.consumer import kafka_consumer
from gophertok.services.messages import persist_messages

handler = kafka_consumer(persist_messages)
