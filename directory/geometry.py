"""Distances on the Earth: a cheap vectorised filter, and geopy for the figures people see."""

import math

import numpy as np
from geopy.distance import geodesic

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LAT = 111.0


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """Return (min_lat, max_lat, min_lon, max_lon) that contains every point within km."""
    dlat = km / KM_PER_DEGREE_LAT * 1.01
    cos = max(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 0.01)
    dlon = km / (KM_PER_DEGREE_LAT * cos) * 1.01
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances from one point to many, in km (within 0.5% of geodesic)."""
    phi1, phi2 = math.radians(lat), np.radians(lats)
    dphi = phi2 - phi1
    dlmb = np.radians(lons) - math.radians(lon)
    a = np.sin(dphi / 2) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def geodesic_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The WGS84 geodesic distance in km, rounded to 10 m: the figure shown to users."""
    return round(geodesic(a, b).km, 2)
