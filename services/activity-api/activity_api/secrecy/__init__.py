"""Statistical secrecy of published tables (counting.md §7): primary and secondary suppression."""
