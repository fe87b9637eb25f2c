"""The Procurement Act 2023 notices of each procurement: which are due, their drafts, publication."""
