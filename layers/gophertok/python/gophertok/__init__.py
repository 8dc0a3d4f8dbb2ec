"""GopherTok shared layer: configuration, adapters, HTTP envelope, auth and domain services."""
