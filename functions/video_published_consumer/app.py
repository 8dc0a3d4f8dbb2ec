"""Consumer of ``video.published``: persists the videos to MySQL and re-asserts their Redis indexes."""

from gophertok.consumer import kafka_consumer
from gophertok.services.video_persistence import persist_published_videos

handler = kafka_consumer(persist_published_videos)
