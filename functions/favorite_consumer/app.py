"""Consumer of favorite events: persists the latest like state per (user, video) into MySQL."""

from gophertok.consumer import kafka_consumer
from gophertok.services.favorites import persist_favorite_events

handler = kafka_consumer(persist_favorite_events)
