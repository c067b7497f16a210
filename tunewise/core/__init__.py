"""The ground floor: types every stage shares (examples, prompt programs, adapted models, results) and the
utilities under them (errors, registries, typed configs, paths, pinned downloads). Imports no stage."""
