from rehearsal.cli.app import main

main()
