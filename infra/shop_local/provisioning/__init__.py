"""template.yaml read and provisioned into the emulator: intrinsics, the Stack, resource types, custom resources, the demo catalog."""
