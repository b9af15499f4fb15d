"""What changes a vault: fixes applied, notes moved, stub notes created."""
