"""CDK stacks and constructs for FiLot; never imports services/."""
