"""The pattern packs (*.yaml), installed as the package data of `extractor.patterns`."""
