import WasmTierCLI

WasmTier.main()
