"""Grant requests: applications, reviews, decisions, appeals and the fund rules they obey."""
