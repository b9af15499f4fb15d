"""The vault model: notes, links, markdown structure, resolution, configuration and template schemas."""
