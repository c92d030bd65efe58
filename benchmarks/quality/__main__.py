from benchmarks.quality.run import main

main()
