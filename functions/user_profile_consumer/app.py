"""Consumer of ``user.registered``: draws each new user's default avatar, background and signature."""

from gophertok.consumer import kafka_consumer
from gophertok.services.profiles import create_default_profiles

handler = kafka_consumer(create_default_profiles)
