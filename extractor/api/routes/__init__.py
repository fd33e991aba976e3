"""HTTP routes of the API: thin, each a call into the pipeline's stages."""
