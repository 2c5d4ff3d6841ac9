"""The citizens' front door: the home page's figures, the openness figures and the guide to
applying (``figures`` is the pure part, ``home`` reads the catalogue and the request desk)."""
