"""CDK stacks: one ``RegionalStack`` per region file, composed of one construct per capability."""
