"""The render job: analyse a song, match moves, render and stitch the choreography video."""
