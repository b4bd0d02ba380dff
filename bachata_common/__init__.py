"""What the API, the render job and the launcher share: settings and the database mapping."""
