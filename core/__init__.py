"""The leaf kernel: the pieces every app shares (domain errors, bounded pagination, spreadsheet
downloads). It imports Django and nothing of ours, so every app may import it."""
