"""`make bench`: NLU quality on our held-out split and on external data, dialogue success,
speed and size, pipelines side by side. Writes results/bench.{md,json} and PNG plots."""
