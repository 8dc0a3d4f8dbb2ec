"""Domain services: the rules. They never see a Lambda event or os.environ."""
