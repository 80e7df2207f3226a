"""Migration versions, oldest first."""
