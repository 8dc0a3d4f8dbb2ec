"""Consumer of ``relation.changed``: upserts the ``follows`` rows, the latest version winning."""

from gophertok.consumer import kafka_consumer
from gophertok.services.relations import persist_relations

handler = kafka_consumer(persist_relations)
