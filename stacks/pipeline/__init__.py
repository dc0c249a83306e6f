"""The stage's CI/CD identities: GitHub OIDC roles for the workflows under .github/workflows."""
