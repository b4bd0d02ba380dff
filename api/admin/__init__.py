"""Staff tools: who may teach, who may sign in."""
