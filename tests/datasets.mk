# tests for datasets
