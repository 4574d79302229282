"""Blueprint to nested CloudFormation for applications on Amazon ECS."""

__version__ = "0.1.0"
