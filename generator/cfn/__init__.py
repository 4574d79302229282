"""What every layer shares about CloudFormation: rendering and its layout, logical IDs, file names and
S3 keys, the model of a template set with its facts and value resolution, and the one reader of
template files."""
