"""Young people's budget panels: rounds, ballots and the allocation rules."""
