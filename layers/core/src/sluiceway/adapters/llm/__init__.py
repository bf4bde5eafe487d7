"""Model access through litellm: the router adapter and the offline local provider."""
