# tests for layers
