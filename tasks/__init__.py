"""A maskft-bench suite: lm-eval reads the YAML files in this directory."""
