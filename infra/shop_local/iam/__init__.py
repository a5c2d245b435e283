"""The IAM check of every function's AWS calls: the actions of a call, the policies SAM gives a function, their evaluation, the recording and the report."""
