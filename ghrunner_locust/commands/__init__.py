"""One module per ``ghrunner`` subcommand: ``add_parser`` declares it, ``run`` carries it out."""
