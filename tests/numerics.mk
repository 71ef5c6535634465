# tests for numerics
