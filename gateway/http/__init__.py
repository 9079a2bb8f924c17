"""HTTP conventions around ``/graphql``: CORS, gzip, persisted queries, coded HTTP errors."""
