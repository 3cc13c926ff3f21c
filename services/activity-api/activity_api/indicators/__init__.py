"""Steering indicators (indicateurs de pilotage) of an establishment, an area, the nation."""
