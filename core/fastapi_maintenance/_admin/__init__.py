"""The admin router's parts: its request and response models, its HTML page, its form tokens."""
