"""``proctor loadtest``: simulated candidates and interviewers against running servers."""
