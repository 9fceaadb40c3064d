from rehearsal.cli.main import main

main()
