"""The document model: words and pages as every reader hands them on, and the result."""
