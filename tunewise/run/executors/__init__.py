"""Where an experiment's methods run (``executor:``): here one by one, a local process pool, or a Dask cluster.
``registry.EXECUTORS`` maps each kind to its function; ``config`` is imported by the experiment schema alone."""
