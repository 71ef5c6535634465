# layer plugins
