"""Small building blocks that every app may depend on; it depends on no app of ours."""
